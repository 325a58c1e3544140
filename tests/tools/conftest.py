from tests.netns import lab  # noqa: F401  (the network-namespace fixture)
