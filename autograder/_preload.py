"""Imported once by the fork server, so that every worker starts with TensorFlow loaded."""

from .pool import quiet_tensorflow_env

quiet_tensorflow_env()

import numpy  # noqa: E402,F401
import tensorflow  # noqa: E402,F401

from . import worker  # noqa: E402,F401
