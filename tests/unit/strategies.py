"""Hypothesis strategies for the values the codecs carry."""

from hypothesis import strategies as st

LABEL_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

labels = st.text(alphabet=LABEL_ALPHABET, min_size=1, max_size=63)
fqdns = st.lists(labels, min_size=1, max_size=8).map(".".join).filter(lambda name: len(name) <= 253)
ipv4_addresses = st.integers(min_value=0, max_value=2**32 - 1).map(
    lambda value: ".".join(str(byte) for byte in value.to_bytes(4, "big"))
)
printable_ascii = st.text(alphabet=[chr(c) for c in range(0x20, 0x7F)], max_size=80)
suboption_items = st.lists(
    st.tuples(st.integers(min_value=1, max_value=254), st.binary(max_size=255)), max_size=8
)
