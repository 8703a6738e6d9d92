"""How big a district is: presets, and any number of requests scaled from the full size."""

from __future__ import annotations

from dataclasses import dataclass

# --- Sizes ---------------------------------------------------------------------------

FULL_REQUESTS = 1_000_000
YEARS = 3


@dataclass(frozen=True)
class Size:
    requests: int
    streets: int  # the demo street included
    communities: int  # the demo's two included
    residents_per_community: int  # in each new community
    basic_grids: int = 3  # per new community
    households_per_unit: int = 44  # 11 floors, 4 flats a floor, 2 units a building

    @classmethod
    def scaled(cls, requests: int) -> Size:
        """Everything in proportion to the full district (1M requests)."""
        s = requests / FULL_REQUESTS
        return cls(
            requests=requests,
            streets=max(1, round(20 * s)),
            communities=max(2, round(200 * s)),
            residents_per_community=2_500,
        )

    @property
    def new_communities(self) -> int:
        return self.communities - 2

    @property
    def residents(self) -> int:
        return self.new_communities * self.residents_per_community


PRESETS: dict[str, Size] = {
    # Small, but every kind of row: a second street with two communities.
    "smoke": Size(300, streets=2, communities=4, residents_per_community=60),
    "10k": Size.scaled(10_000),
    "100k": Size.scaled(100_000),
    "1m": Size.scaled(1_000_000),
}


def size_from(text: str) -> Size:
    """A preset name, or a number of requests (``250000``, ``250k``, ``2m``)."""
    key = text.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    factor = {"k": 1_000, "m": 1_000_000}.get(key[-1:], 1)
    number = key[:-1] if factor > 1 else key
    try:
        n = int(float(number) * factor)
    except ValueError:
        raise ValueError(
            f"size: a preset ({', '.join(PRESETS)}) or a number, not {text!r}"
        ) from None
    if n < 1:
        raise ValueError("size: at least one request")
    return Size.scaled(n)
