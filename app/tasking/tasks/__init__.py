"""One task's life: raised, allocated, worked, put aside, completed with an outcome or cancelled."""
