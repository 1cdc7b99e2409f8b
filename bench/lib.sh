# Helpers shared by the bench/ scripts (sourced, not run).

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# A loopback port nothing answers on (other work on this machine picks ports too).
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# Median of the numbers on stdin ("-" when there are none).
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2] + a[NR/2+1]) / 2 }'; }

# Megabytes of 10^6 bytes, as `podman image ls` prints them.
mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1000000 }'; }

# Milliseconds from `podman run -d IMAGE` (named NAME) to the first 200 on /up, polled every 10 ms for at most
# 20 s; prints nothing when it never answers. The container is removed afterwards.
podman_first200_ms() {
  local image=$1 name=$2 port t0 t=""
  port=$(free_port)
  t0=$(now_ms)
  podman run -d --name "$name" -p "127.0.0.1:$port:8080" "$image" >/dev/null 2>&1
  while :; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/up")" = 200 ]; then
      t=$(now_ms); break
    fi
    [ $(( $(now_ms) - t0 )) -gt 20000 ] && break
    sleep 0.01
  done
  podman rm -f -t 5 "$name" >/dev/null 2>&1 || true
  [ -n "$t" ] && echo $((t - t0))
  return 0
}
