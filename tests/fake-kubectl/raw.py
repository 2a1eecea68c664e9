#!/usr/bin/env python3
"""The pod proxy of the fake kubectl (tests/fake-kubectl/kubectl).

`kubectl get --raw /api/v1/namespaces/NS/pods/POD:PORT/proxy/PATH?QUERY`
execs this program once the script has checked the pod, so the kubectl pid
is the process doing the request and a caller's SIGKILL ends it.

It asks 127.0.0.1:TARGET_PORT (the pod's PORT column) for PATH?QUERY, as
the API server would ask the pod, and answers as kubectl does:
  * a 2xx answer: the body on stdout, exit 0;
  * another status: stderr "Error from server (REASON): MESSAGE", exit 1,
    with the words kubectl uses for a status without a Status object;
  * no connection: stderr "Error from server (ServiceUnavailable): error
    trying to reach service: dial tcp 127.0.0.1:PORT: connect: connection
    refused", exit 1 (what the API server says when the pod's port is shut).
"""

import argparse
import http.client
import sys


def fail(message):
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    sys.exit(1)


# What kubectl prints for a status when the body is not a Status object
# (k8s.io/apimachinery's NewGenericServerResponse).
GENERIC = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "the server has asked for the client to provide credentials"),
    403: ("Forbidden", "the server does not allow access to the requested resource"),
    404: ("NotFound", "the server could not find the requested resource"),
    429: ("TooManyRequests", "the server has received too many requests and has asked us to try again later"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: ("Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request"),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    args = parser.parse_args()

    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
    try:
        connection.request("GET", args.path)
        response = connection.getresponse()
        body = response.read()
    except (ConnectionRefusedError, ConnectionResetError) as error:
        what = "connection refused" if isinstance(error, ConnectionRefusedError) else "connection reset by peer"
        fail("Error from server (ServiceUnavailable): error trying to reach service: "
             f"dial tcp 127.0.0.1:{args.port}: connect: {what}")
    except (http.client.HTTPException, OSError) as error:
        fail(f"Error from server (ServiceUnavailable): error trying to reach service: {error}")
    if 200 <= response.status <= 299:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    if response.status in GENERIC:
        reason, message = GENERIC[response.status]
        fail(f"Error from server ({reason}): {message}")
    text = body.decode("utf-8", "replace").strip().splitlines()
    first = text[0] if text else ""
    reason = "InternalError" if response.status == 500 else f"Status {response.status}"
    fail(f'Error from server ({reason}): an error on the server ("{first}") has prevented the request from succeeding')


if __name__ == "__main__":
    main()
