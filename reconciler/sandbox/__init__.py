"""A local AWS stand-in (moto plus an emulator layer) for the sandbox and the tests."""
