"""Z3 backend: bounded model checking, k-induction, PDR and lasso search over the IR."""
