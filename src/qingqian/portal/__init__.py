"""The debtor's self-service portal: one-time link, identity check, claim, plan, pay."""
