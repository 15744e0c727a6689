"""@attack {"title": "a Python sleeve reaches the host over TCP and UDP on loopback, an abstract unix socket, and DNS", "command": ["python3", "{entry}"], "expect": "refused", "osOnly": true}"""
import os
import socket

from _attempts import attempt, finish

port = int(os.environ["PROBE_PORT"])
sock_name = os.environ["PROBE_SOCK"]


def tcp(host):
    with socket.create_connection((host, port), timeout=2):
        return f"connected to {host}:{port}"


def abstract():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect("\0" + sock_name)
    return "connected to the abstract socket"


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", ("127.0.0.1", port))
    s.sendto(b"x", ("8.8.8.8", 53))
    return "sent UDP to the outside"


def interfaces():
    names = [n for _, n in socket.if_nameindex() if n != "lo"]
    return names or False


attempt("TCP to 127.0.0.1", lambda: tcp("127.0.0.1"))
attempt("TCP to localhost", lambda: tcp("localhost"))
attempt("abstract unix socket", abstract)
attempt("UDP out", udp)
attempt("DNS", lambda: socket.getaddrinfo("example.com", 80))
attempt("network interfaces besides lo", interfaces)
finish()
