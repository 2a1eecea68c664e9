#!/usr/bin/env python3
"""Port-forward engine of the fake kubectl (tests/fake-kubectl/kubectl).

The kubectl script execs this program, so the process that prints
"Forwarding from ..." is the very process the caller started: signals sent
to the kubectl pid reach it, and when it dies every forwarded connection
dies with it (as with the real kubectl, whose streams all live in one
process). socat with `fork` cannot do that: its per-connection children
outlive the listener and keep serving established keep-alive connections.

Behaviour, mirroring `kubectl port-forward`:
  * binds the local port (0 = let the kernel choose), and only once it is
    listening prints "Forwarding from 127.0.0.1:LOCAL -> REMOTE" (and the
    "[::1]" line when --address is localhost) and flushes stdout;
  * writes its pid to STATE/forward-POD.pid and the local port to
    STATE/forward-POD.port (atomically);
  * relays each connection to 127.0.0.1:TARGET_PORT (the pod's PORT column);
  * exits 1 with "error: lost connection to pod" when the pod disappears
    from STATE/pods, stops being Running or changes PORT, or when
    --die-after seconds have passed;
  * SIGINT: exit 0 (kubectl's Ctrl-C); SIGTERM/SIGKILL: default action.
"""

import argparse
import os
import signal
import socket
import sys
import threading
import time


def log_err(msg):
    try:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def read_pod(state, name):
    """Return (phase, port) of pod NAME from STATE/pods, or None."""
    try:
        with open(os.path.join(state, "pods")) as f:
            for line in f:
                fields = line.split()
                if not fields or fields[0].startswith("#"):
                    continue
                if fields[0] == name and len(fields) >= 3:
                    return fields[1], fields[2]
    except OSError:
        return None
    return None


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def handle(client, args, lock, conns):
    upstream_port = args.target_port
    if args.remote_open is not None and args.remote != args.remote_open:
        upstream_port = None
    up = None
    if upstream_port is not None:
        try:
            up = socket.create_connection(("127.0.0.1", upstream_port), timeout=5)
            up.settimeout(None)
        except OSError:
            up = None
    if up is None:
        log_err(
            "E0000 00:00:00.000000 %d portforward.go:413] an error occurred forwarding %d -> %d: "
            "error forwarding port %d to pod %s, uid : failed to connect to localhost:%d inside "
            "namespace: connection refused"
            % (os.getpid(), args.local_port_bound, args.remote, args.remote, args.pod, args.remote)
        )
        client.close()
        return
    with lock:
        conns.add(client)
        conns.add(up)
    t = threading.Thread(target=pump, args=(up, client), daemon=True)
    t.start()
    pump(client, up)
    t.join()
    with lock:
        conns.discard(client)
        conns.discard(up)
    client.close()
    up.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--pod", required=True)
    ap.add_argument("--remote", type=int, required=True)
    ap.add_argument("--local", type=int, default=0)
    ap.add_argument("--target-port", type=int, required=True)
    ap.add_argument("--addresses", default="localhost")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--die-after", type=float, default=0.0)
    ap.add_argument("--remote-open", type=int, default=None)
    ap.add_argument("--handling-lines", action="store_true")
    args = ap.parse_args()

    signal.signal(signal.SIGINT, lambda *_: os._exit(0))

    if args.delay > 0:
        time.sleep(args.delay)

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        ls.bind(("127.0.0.1", args.local))
    except OSError as e:
        log_err("Unable to listen on port %d: Listeners failed to create with the following errors: "
                "[unable to create listener: Error listen tcp4 127.0.0.1:%d: bind: %s]"
                % (args.local, args.local, e.strerror))
        log_err("error: unable to listen on any of the requested ports: [{%d %d}]" % (args.local, args.remote))
        sys.exit(1)
    ls.listen(64)
    local = ls.getsockname()[1]
    args.local_port_bound = local

    state = args.state
    write_atomic(os.path.join(state, "forward-%s.port" % args.pod), "%d\n" % local)
    write_atomic(os.path.join(state, "forward-%s.pid" % args.pod), "%d\n" % os.getpid())

    lines = []
    for a in args.addresses.split(","):
        if a in ("localhost", "127.0.0.1"):
            lines.append("Forwarding from 127.0.0.1:%d -> %d" % (local, args.remote))
        if a in ("localhost", "::1"):
            lines.append("Forwarding from [::1]:%d -> %d" % (local, args.remote))
    seen = set()
    out = []
    for l in lines:
        if l not in seen:
            seen.add(l)
            out.append(l)
    try:
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass

    pod_now = read_pod(state, args.pod)

    def die(msg):
        log_err(msg)
        os._exit(1)

    def watch():
        deadline = time.monotonic() + args.die_after if args.die_after > 0 else None
        while True:
            time.sleep(0.1)
            if deadline is not None and time.monotonic() >= deadline:
                die("E0000 00:00:00.000000 %d portforward.go:394] error copying from local connection to "
                    "remote stream: forward-die-after elapsed\nerror: lost connection to pod" % os.getpid())
            p = read_pod(state, args.pod)
            if p is None or p[0] != "Running" or p != pod_now:
                die("E0000 00:00:00.000000 %d portforward.go:394] error copying from remote stream to "
                    "local connection: pod %s is gone or was restarted\nerror: lost connection to pod"
                    % (os.getpid(), args.pod))

    threading.Thread(target=watch, daemon=True).start()

    lock = threading.Lock()
    conns = set()
    while True:
        try:
            client, _ = ls.accept()
        except InterruptedError:
            continue
        if args.handling_lines:
            try:
                sys.stdout.write("Handling connection for %d\n" % local)
                sys.stdout.flush()
            except (BrokenPipeError, OSError):
                pass
        threading.Thread(target=handle, args=(client, args, lock, conns), daemon=True).start()


if __name__ == "__main__":
    main()
