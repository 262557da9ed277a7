#!/usr/bin/env python3
"""Differential harness: the OASIS reference tools' verdicts on generated cases.

Reads a JSON list of cases, each {"pattern": str, "bundle": {...}} (one STIX 2.1
bundle holding observed-data and the SCOs they reference), and writes a JSON
list of verdicts, one per case, in order:

  "invalid: <first error>"  stix2-patterns rejects the pattern (STIX 2.1 grammar)
  "match" / "nomatch"       stix2-matcher's answer
  "error: <message>"        stix2-matcher raised (e.g. MatcherException)

Usage: harness.py CASES.json VERDICTS.json
The Rust side (tests/differential.rs) generates the cases and compares.
"""

import json
import sys

from stix2matcher.matcher import Pattern
from stix2patterns.validator import run_validator

STIX_VERSION = "2.1"  # the reference's default is 2.0: always pass 2.1


def verdict(case):
    errors = run_validator(case["pattern"], stix_version=STIX_VERSION)
    if errors:
        return "invalid: " + str(errors[0])
    try:
        pattern = Pattern(case["pattern"], stix_version=STIX_VERSION)
        # 2.1 input: a list of bundles; each observed-data is one observation.
        matched = pattern.match([case["bundle"]])
    except Exception as e:  # the reference raises MatcherException and others
        return "error: {}: {}".format(type(e).__name__, e)
    return "match" if matched else "nomatch"


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    verdicts = [verdict(c) for c in cases]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(verdicts, f)


if __name__ == "__main__":
    main()
