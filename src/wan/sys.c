/* sys.c -- commands, privileges and namespace membership, for pushlab-wan.
 *
 * The namespace, addresses and routes are made by iproute2's `ip` and
 * `tc`, the commands a student would type (pushlab-wan -v prints each
 * one), rather than by hand-built netlink messages.  What `ip` cannot do
 * for us is here: entering the namespace (setns(2) on the file that `ip
 * netns add` pins in /run/netns), and finding the processes inside it: a
 * process is in the namespace when its /proc/PID/ns/net is the same inode.
 */
#include "wan/sys.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wan/wan.h"

bool sys_verbose;

int run_cmd(int flags, const char *const argv[])
{
    if (sys_verbose) {
        fputs("+", stderr);
        for (const char *const *a = argv; *a; a++)
            fprintf(stderr, " %s", *a);
        fputc('\n', stderr);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            if (flags & CMD_QUIET)
                dup2(null, STDERR_FILENO);
        }
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "pushlab-wan: cannot run %s (is iproute2 installed?)\n", argv[0]);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

bool sys_can_admin_network(void)
{
    enum { CAP_NET_ADMIN_BIT = 12, CAP_SYS_ADMIN_BIT = 21 };
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return false;
    char line[256];
    unsigned long long eff = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "CapEff: %llx", &eff) == 1)
            break;
    fclose(f);
    return (eff >> CAP_NET_ADMIN_BIT & 1) && (eff >> CAP_SYS_ADMIN_BIT & 1);
}

int netns_enter(void)
{
    int old = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int ns = open(WAN_NETNS_PATH, O_RDONLY | O_CLOEXEC);
    if (old < 0 || ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
        if (old >= 0)
            close(old);
        if (ns >= 0)
            close(ns);
        return -1;
    }
    close(ns);
    return old;
}

void netns_leave(int old_fd)
{
    if (setns(old_fd, CLONE_NEWNET) < 0)
        perror("pushlab-wan: cannot return to the host's namespace");
    close(old_fd);
}

int netns_signal_all(int sig)
{
    struct stat ns, st;
    if (stat(WAN_NETNS_PATH, &ns) < 0)
        return 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == getpid())
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
        if (stat(path, &st) == 0 && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev &&
            kill((pid_t)pid, sig) == 0)
            n++;
    }
    closedir(d);
    return n;
}

void sys_ipv6_off(const char *ifname)
{
    char path[128];
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return; /* a kernel without IPv6: nothing to turn off */
    /* A failure is not fatal: the link works, with a few IPv6 packets more. */
    ssize_t written = write(fd, "1", 1);
    (void)written;
    close(fd);
}

bool sys_process_is(pid_t pid, const char *name)
{
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool same = fgets(comm, sizeof comm, f) && strncmp(comm, name, strlen(name)) == 0;
    fclose(f);
    return same;
}
