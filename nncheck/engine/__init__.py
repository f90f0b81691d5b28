"""The engine: primitives, the tape and its backward pass, batched forward passes,
solutions, gradient descent, per-student variants, chain-rule steps."""
