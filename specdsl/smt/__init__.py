"""Z3 backend: bounded model checking, inductive strengthening, k-induction, PDR, liveness to
safety and lasso search over the IR."""
