"""What the tests share: factories, real servers, page readers, shared fixtures (`fixtures`, a pytest plugin
registered in tests/conftest.py). Test modules import from here and never from one another; bench/ may
import from here, and from nothing else under tests/."""
