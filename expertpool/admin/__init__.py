"""The administrator's pages: the pool's settings and the development mail outbox."""
