"""Month facts in, ledger out: the reward and penalty rules of the regulation."""
