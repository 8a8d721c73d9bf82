"""numba kernels: compiled inner loops, and nothing else.

Rules for every module here:

* no input validation and no public API -- the public wrapper in the family
  module validates, converts to contiguous float64 and preallocates outputs;
* compile with :func:`skvariance._kernels._config.kernel` (named fast-math
  flags, on-disk cache, ``nogil``);
* no random number generation inside a kernel: pass integer seeds or
  pre-drawn arrays;
* every kernel has a plain NumPy reference in ``tests/kernels/`` and a test
  comparing the two, with ties, infinities and NaN among the inputs.
"""
