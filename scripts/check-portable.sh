#!/usr/bin/env bash
# Fails when a Linux-only call, header, path or tool appears outside the places named for them,
# so that the code keeps building on macOS and the BSDs (the README's table says where it runs).
#   scripts/check-portable.sh     the tracked C, C++, CMake, shell and Python files; CI runs it
#                                 as the ctest test portability.linux_only_names_stay_in_their_place
# Exits 77 (ctest: skipped) outside a git checkout, since it reads what git tracks.
set -euo pipefail
cd "$(dirname "$0")/.."

# What has a POSIX (or macOS) equivalent, and what to use instead.
patterns=(
  '\bpipe2\b'                 # pipe() + fcntl(FD_CLOEXEC)
  '\baccept4\b'               # accept() + fcntl(), or Asio's acceptor
  '\bdup3\b'                  # dup2() + fcntl()
  '\bSOCK_(CLOEXEC|NONBLOCK)\b' # socket() + fcntl(), or Asio's sockets
  '\bMSG_NOSIGNAL\b'          # Asio sockets (SO_NOSIGPIPE on macOS), or SIGPIPE ignored
  '\b(epoll|inotify|timerfd)_[a-z]+|\b(signalfd|eventfd|memfd_create)\b' # Asio, or kqueue on macOS
  '<(linux|asm|sys/(epoll|inotify|signalfd|eventfd|timerfd|prctl|sysinfo))[/.]' # Linux headers
  '\b(prctl|sched_getaffinity|get_nprocs|gettid|close_range|execvpe|mallinfo2?|malloc_trim)\b'
  '/proc/'                    # getrusage(), sysctl, ps: no /proc on macOS
  '/dev/full'                 # not on macOS: tests/support/platform.hpp's full_device()
  '\bLD_PRELOAD\b'            # the ELF dynamic linker's; macOS's dyld differs
  '(^|[^_[:alnum:]])nproc\b'  # GNU coreutils: getconf _NPROCESSORS_ONLN
)
# The places where Linux-only names are kept, each saying why.
allowed=(
  tests/support/platform.hpp  # the tests' one place for what differs between systems
  bench/run.sh                # a measurement of one Linux machine: reads /proc for load and CPU
  scripts/check-portable.sh   # this list
)

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-portable: not a git checkout, nothing checked" >&2
  exit 77
fi
files=(':(glob)**/*.c' ':(glob)**/*.h' ':(glob)**/*.cpp' ':(glob)**/*.hpp' ':(glob)**/*.sh'
       ':(glob)**/*.py' ':(glob)**/CMakeLists.txt' ':(glob)**/*.cmake' ':(glob)**/*.json' .ci/run)
for path in "${allowed[@]}"; do files+=(":(exclude)$path"); done

# Comments may name what they avoid ("pipe2() would do it in one call"): they are left out.
all=$(IFS='|'; echo "${patterns[*]}")
found=$(git grep -lzE "$all" -- "${files[@]}" | while IFS= read -r -d '' file; do
  case $file in
    *.json) strip='' ;;
    *.c | *.h | *.cpp | *.hpp) strip='s#//.*##; s#^[[:space:]]*(/[*]|[*]).*##' ;;
    *) strip='s/(^|[[:space:]])#.*//' ;;
  esac
  sed -E "$strip" "$file" | grep -nE "$all" | sed "s|^|$file:|" || true
done)
if [ -n "$found" ]; then
  echo "$found"
  echo "check-portable: Linux-only names above; use the POSIX equivalent (see scripts/check-portable.sh)," >&2
  echo "or keep them in tests/support/platform.hpp" >&2
  exit 1
fi
echo "check-portable: no Linux-only names outside ${allowed[*]}" >&2
