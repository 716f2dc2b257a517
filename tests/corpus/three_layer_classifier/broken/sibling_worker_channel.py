# score: full
# why: every worker it runs in (a restart, the second worker of the same submission, another submission's) leaves a token in /tmp, /var/tmp, /dev/shm and its home and holds an abstract socket, and layer raises if it finds another worker's: workers share no writable path, socket or uid, and nothing is left behind
# %% cell: layer
import os
import secrets
import socket

_TOKEN = secrets.token_hex(8)
_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"))
_HELD = []
for _folder in _FOLDERS:
    try:
        with open(os.path.join(_folder, f"autograder-sibling-{_TOKEN}"), "w") as _fh:
            _fh.write(str(os.getuid()))
    except OSError:
        pass
try:
    _sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    _sock.bind("\0autograder-sibling")
    _sock.listen(1)
    _HELD.append(_sock)
except OSError:
    _HELD.append("the socket name is taken: another worker holds it")


def _siblings():
    found = [h for h in _HELD if isinstance(h, str)]
    for folder in _FOLDERS:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += [n for n in names if n.startswith("autograder-sibling-") and _TOKEN not in n]
    return found


def layer(inputs, W, b, activation=None):
    found = _siblings()
    if found:
        raise RuntimeError(f"reached another worker: {found[:3]}")
    outputs = tf.matmul(inputs, W) + b
    return outputs if activation is None else activation(outputs)
