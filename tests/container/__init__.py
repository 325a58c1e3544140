PACKAGES = ("podman", "runc", "debootstrap")  # what scripts/test installs as root for these tests
