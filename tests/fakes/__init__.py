"""In-process fakes of the systems the hotline talks to, for unit and functional tests."""
