"""nncheck: check neural-network homework by running the forward and backward pass."""

__version__ = "0.1.0"
