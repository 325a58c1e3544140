"""The test suite's own DHCP: golden vectors, one request builder, one reply reader.

None of it imports ucdhcp, so a codec bug in the code under test cannot hide itself.
"""
