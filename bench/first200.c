/* Starts a server and measures the time from just before fork() to its first "HTTP/1.x 200" answer on a path.
   Usage: first200 PORT PATH -- COMMAND ARGS...   Prints milliseconds; with KEEP=1 leaves the server running and
   prints its pid on a second line, otherwise stops it with SIGTERM and waits. The server's output goes to
   /dev/null. Polls every 0.2 ms. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static int answered_200(int port, const char *path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { close(fd); return 0; }
    char request[512];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (write(fd, request, n) != n) { close(fd); return 0; }
    char answer[64] = {0};
    ssize_t got = read(fd, answer, sizeof answer - 1);
    close(fd);
    return got >= 12 && strncmp(answer, "HTTP/1.", 7) == 0 && strncmp(answer + 9, "200", 3) == 0;
}

int main(int argc, char **argv) {
    if (argc < 5 || strcmp(argv[3], "--") != 0) { fprintf(stderr, "usage: first200 PORT PATH -- COMMAND...\n"); return 2; }
    int port = atoi(argv[1]);
    const char *path = argv[2];
    double start = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY); /* the server's log must not hold our caller's pipe open */
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[4], argv + 4);
        perror("exec");
        _exit(127);
    }
    const struct timespec pause = {0, 200000};
    while (!answered_200(port, path)) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) { fprintf(stderr, "server exited early\n"); return 1; }
        if (now_ms() - start > 20000) { fprintf(stderr, "no 200 within 20 s\n"); kill(pid, SIGKILL); return 1; }
        nanosleep(&pause, NULL);
    }
    printf("%.1f\n", now_ms() - start);
    if (getenv("KEEP") && strcmp(getenv("KEEP"), "1") == 0) { printf("%d\n", pid); return 0; }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return 0;
}
