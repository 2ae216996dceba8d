SELECT load.refill_op();
