"""Automation rules (`[[automation.rules]]`): when a ticket meets a trigger and the rule's
conditions, Kefu takes the rule's actions, once per rule, trigger and ticket."""
