#!/usr/bin/env python3
"""The wall time of a make -j2 build on an idle two-core machine, estimated from a log of
cold.sh (the CPU time of each compile and link): the build is replayed on two cores in the order
CMake's Makefile generator allows (a target's files compile once the targets it links are
built; then it links; the longest files of a target go first).
    schedule.py LOG programs|demo|all [SCALE]
programs: the three site checkers; demo: those and the demo server; all: everything. SCALE
multiplies every time (CPU seconds on a loaded machine are longer than on an idle one). The
targets and their links are listed below: keep them level with the CMakeLists.txt files."""
import sys, re, heapq, collections

log, scenario = sys.argv[1], sys.argv[2]
scale = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
cost = collections.defaultdict(list)  # target -> [(name, seconds)]
link = {}
for line in open(log):
    f = line.split()
    if f[0] == 'WALL' or len(f) < 4:
        continue
    cpu = (float(f[1]) + float(f[2])) * scale
    out = f[3]
    m = re.search(r'CMakeFiles/([^/]+)\.dir/(.*)\.o$', out)
    if m:
        cost[m.group(1)].append((m.group(2), cpu))
    else:
        link[out.rsplit('/', 1)[-1]] = cpu

deps = {
    'sitecheck_boost': [], 'sitecheck_boost_assert': [],
    'sitecheck_common': ['sitecheck_boost', 'sitecheck_boost_assert'],
    'site_checker_v0': ['sitecheck_common'], 'site_checker_v1': ['sitecheck_common'],
    'site_checker_v2': ['sitecheck_common'],
    'sitecheck_test_support': ['sitecheck_boost', 'sitecheck_boost_assert'],
    'sitecheck_demo_server': ['sitecheck_test_support'],
    'support_selftest': ['sitecheck_test_support'],
    'sitecheck_lookup_shim': [],
    'common_tests': ['sitecheck_common', 'sitecheck_test_support'],
    'program_tests': ['sitecheck_test_support'],
    'exercise_v1-4_tests': ['sitecheck_common', 'sitecheck_test_support'],
}
for v in ('v0', 'v1', 'v2'):
    deps[v + '_tests'] = ['sitecheck_common', 'sitecheck_test_support', 'program_tests',
                          'site_checker_' + v, 'sitecheck_lookup_shim']
programs = ['site_checker_v0', 'site_checker_v1', 'site_checker_v2']
want = {'programs': programs, 'demo': programs + ['sitecheck_demo_server'],
        'all': list(deps)}[scenario]
need, stack = set(), list(want)
while stack:
    t = stack.pop()
    if t in need or (t not in cost and t not in link):
        continue
    need.add(t)
    stack += [d for d in deps.get(t, []) if d not in need]
done, t_now, workers = {}, 0.0, [0.0, 0.0]
# Greedy: repeatedly take the ready target (in the order CMake lists them), run its files on the
# first free core, link when its files are done.
pending = [t for t in deps if t in need]
while pending:
    ready = [t for t in pending if all(d in done or d not in need for d in deps[t])]
    t = ready[0]
    start = max([done[d] for d in deps[t] if d in done] + [0.0])
    ends = []
    for name, c in sorted(cost.get(t, []), key=lambda x: -x[1]):
        workers.sort()
        s = max(workers[0], start)
        workers[0] = s + c
        ends.append(workers[0])
    finish = max(ends + [start])
    if t in link:
        workers.sort()
        s = max(workers[0], finish)
        workers[0] = s + link[t]
        finish = workers[0]
    done[t] = finish
    pending.remove(t)
total_cpu = sum(c for t in need for _, c in cost.get(t, [])) + sum(link.get(t, 0) for t in need)
print(f"{scenario}: estimated wall {max(done.values()):.0f} s, CPU {total_cpu:.0f} s, targets {len(need)}")
