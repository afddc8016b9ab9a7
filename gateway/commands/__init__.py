"""The operator's commands of `seatgate` (gateway/commands/registry.py adds them to the parser).
This package imports nothing itself, so its modules import one another without a cycle."""
