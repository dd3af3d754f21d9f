"""Backends chosen by name: one explicit registry per stage, so config choices and code agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class UnknownBackend(ValueError):
    pass


class Registry(Generic[T]):
    """Maps a backend name from config to a factory. Factories import heavy modules lazily."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
        def decorate(factory: Callable[..., T]) -> Callable[..., T]:
            self._factories[name] = factory
            return factory

        return decorate

    def names(self) -> list[str]:
        return sorted(self._factories)

    def create(self, name: str, *args: object, **kwargs: object) -> T:
        try:
            factory = self._factories[name]
        except KeyError:
            raise UnknownBackend(
                f"unknown {self.stage} backend {name!r}; choose one of: {', '.join(self.names())}"
            ) from None
        return factory(*args, **kwargs)
