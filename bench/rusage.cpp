// rusage: runs a command and prints, on the file named by its first argument, what the command's
// process tree cost: "WALL USER SYS MAXRSS" (seconds with microseconds, peak RSS in KiB).
//     rusage OUT command [args...]
// getrusage(RUSAGE_CHILDREN) after wait4 counts the command and every descendant it waited
// for; ru_maxrss is the largest of them. This wrapper itself stays small (about 1 MiB before
// exec), so its own pages do not hide a client's peak, as a Python wrapper's would.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

int main(int argc, char* argv[])
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: rusage OUT command [args...]\n");
        return 2;
    }
    timespec start{}, stop{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    const pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        std::perror(argv[2]);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &stop);
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    std::FILE* out = std::fopen(argv[1], "w");
    if (!out)
        return 2;
    std::fprintf(out, "%.6f %.6f %.6f %ld\n",
                 double(stop.tv_sec - start.tv_sec) + double(stop.tv_nsec - start.tv_nsec) / 1e9,
                 seconds(usage.ru_utime), seconds(usage.ru_stime), usage.ru_maxrss);
    std::fclose(out);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
