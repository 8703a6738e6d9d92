"""What the worst accepted photos cost: six of them through the photo pipeline.

    .venv/bin/python bench/photos.py            # every case, each in a fresh process
    .venv/bin/python bench/photos.py png-solid  # one case

For each case the script builds the largest photo ``community.images`` accepts
(read from its limits, so the same script measures the code before and after a
change), saves it under a temporary directory, and starts a fresh Python that
hands six of them to ``clean_photos`` the way Django hands uploads over (files
on disk, as uploads past 2.5 MB are), then makes the six thumbnails the task
makes. It reports the peak resident memory above what the process held before
the first photo (VmHWM, reset just before) and the time of the first run and the
best of three, wall and CPU (the best is the least disturbed by other work on a
shared machine).

Worst cases, and why each:
- png-solid: a solid colour compresses to a few hundred KB, so the byte limits
  never bite and the whole pixel allowance is decoded (the issue's 140 KB
  7000 × 7000 PNG);
- png-rgba: the same with an alpha channel, which the re-encoding must drop;
- webp: WebP cannot be decoded at a reduced size either;
- jpeg: a phone-shaped (4:3) JPEG at the largest accepted pixel count with
  enough detail to weigh several MB, as a 48 MP phone photo does;
- jpeg-square: the largest square JPEG that cannot be decoded at half size (a
  side just under twice MAX_SIDE × DRAFT_SLACK), so it is decoded whole and
  scaled down by almost two;
- jpeg-progressive: progressive and without chroma subsampling, the JPEG that
  makes the decoder hold every coefficient of the whole image at once.
"""

from __future__ import annotations

import io
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ["png-solid", "png-rgba", "webp", "jpeg", "jpeg-square", "jpeg-progressive"]
COPIES = 6


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    import django

    django.setup()


def _limits() -> dict[str, int]:
    """The limits of the code under test; older code had one pixel limit for all."""
    from community import images

    one = getattr(images, "MAX_PIXELS", None)
    return {
        "jpeg": getattr(images, "MAX_PIXELS_JPEG", one),
        "other": getattr(images, "MAX_PIXELS_FULL", one),
        "progressive": getattr(
            images, "MAX_PIXELS_PROGRESSIVE", getattr(images, "MAX_PIXELS_FULL", one)
        ),
        "bytes": images.MAX_BYTES,
        "total": getattr(images, "MAX_TOTAL_BYTES", images.MAX_BYTES * images.MAX_PHOTOS),
        "photos": images.MAX_PHOTOS,
        "side": images.MAX_SIDE,
        # The smallest side the decoder may halve to (MAX_SIDE before DRAFT_SLACK).
        "floor": math.ceil(images.MAX_SIDE * getattr(images, "DRAFT_SLACK", 1.0)),
    }


def _square(pixels: int) -> tuple[int, int]:
    side = math.isqrt(pixels)
    return side, side


def _four_by_three(pixels: int) -> tuple[int, int]:
    unit = math.isqrt(pixels // 12)
    return 4 * unit, 3 * unit


def _detailed(size: tuple[int, int]):  # type: ignore[no-untyped-def]
    """A photo-like picture: smooth gradients plus fine noise (what makes JPEGs heavy)."""
    from PIL import Image

    base = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 64)
    return Image.merge(
        "RGB",
        (
            Image.blend(base, noise, 0.3),
            Image.eval(base, lambda v: 255 - v),
            Image.blend(base, noise, 0.5),
        ),
    )


def _jpeg(size: tuple[int, int], budget: int, **options: object) -> bytes:
    """The best quality of the detailed picture that still fits in ``budget`` bytes."""
    picture = _detailed(size)
    for quality in (95, 92, 90, 88, 86, 84, 82, 80, 75, 70, 60, 50):
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality, **options)
        if out.tell() <= budget:
            return out.getvalue()
    raise SystemExit(f"no JPEG of {size} fits in {budget} bytes")


def build(case: str, folder: Path) -> Path:
    from PIL import Image

    limits = _limits()
    # Six of them must fit both the per-photo and the per-request byte limits.
    budget = min(limits["bytes"], limits["total"] // limits["photos"])
    out = io.BytesIO()
    if case == "png-solid":
        Image.new("RGB", _square(limits["other"]), (200, 60, 40)).save(out, "PNG")
        data = out.getvalue()
    elif case == "png-rgba":
        Image.new("RGBA", _square(limits["other"]), (200, 60, 40, 128)).save(out, "PNG")
        data = out.getvalue()
    elif case == "webp":
        Image.new("RGB", _square(limits["other"]), (200, 60, 40)).save(out, "WEBP", lossless=True)
        data = out.getvalue()
    elif case == "jpeg":
        data = _jpeg(_four_by_three(limits["jpeg"]), budget)
    elif case == "jpeg-square":
        side = min(2 * limits["floor"] - 1, math.isqrt(limits["jpeg"]))
        data = _jpeg((side, side), budget)
    elif case == "jpeg-progressive":
        data = _jpeg(_four_by_three(limits["progressive"]), budget, progressive=True, subsampling=0)
    else:
        raise SystemExit(f"unknown case {case}")
    path = folder / f"{case}.{'webp' if case == 'webp' else case.split('-')[0]}"
    path.write_bytes(data)
    return path


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> int:
    """Start the peak (VmHWM) again from what the process holds now, and return that.

    Not ``ru_maxrss``: Linux carries it over from the parent across fork and exec,
    so a fresh process started by one that built a 50 MP picture would report the
    parent's peak.
    """
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS")


def _six(path: Path, size: int) -> list[object]:
    from django.core.files.uploadedfile import UploadedFile

    from community.images import clean_photos, thumbnail_bytes

    uploads = [UploadedFile(path.open("rb"), name=path.name, size=size) for _ in range(COPIES)]
    cleaned = clean_photos(uploads)
    for photo in cleaned:
        thumbnail_bytes(photo.content.read())
        photo.content.seek(0)
    for upload in uploads:
        upload.close()
    return cleaned


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(path: Path) -> dict[str, object]:
    """In a fresh process: six uploads of ``path`` through the pipeline, three times.

    The first run gives the memory peak; the best of the three gives the times (the
    least disturbed by other work on a shared machine).
    """
    _setup_django()
    from PIL import Image

    from community.errors import DomainError

    # Load the codecs before the baseline, so it holds what a warm worker holds.
    Image.new("RGB", (8, 8)).save(io.BytesIO(), "JPEG")
    size = path.stat().st_size
    base = _reset_peak()
    walls, cpus = [], []
    for _ in range(3):
        started, cpu = time.perf_counter(), _cpu()
        try:
            cleaned = _six(path, size)
        except DomainError as exc:
            return {"refused": exc.message}
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
        if len(walls) == 1:
            peak = _status_kb("VmHWM")
    return {
        "pixels": "×".join(map(str, Image.open(path).size)),
        "bytes": size,
        "first_s": round(walls[0], 2),
        "wall_s": round(min(walls), 2),
        "cpu_s": round(min(cpus), 2),
        "peak_mb": round((peak - base) / 1024),
        "out_kb": round(sum(p.content.size for p in cleaned) / COPIES / 1024),  # type: ignore[attr-defined]
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--run":
        print(json.dumps(run(Path(sys.argv[2]))))
        return
    cases = sys.argv[1:] or CASES
    _setup_django()
    print(f"limits: {_limits()}")
    head = ("case", "size", "file", "first", "best", "CPU", "peak RSS")
    print("{:18} {:>11} {:>9} {:>6} {:>6} {:>6} {:>9}".format(*head))
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            path = build(case, Path(tmp))
            done = subprocess.run(
                [sys.executable, __file__, "--run", str(path)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            r = json.loads(done.stdout.strip().splitlines()[-1])
            if "refused" in r:
                print(f"{case:18} refused: {r['refused']}")
                continue
            print(
                f"{case:18} {r['pixels']:>11} {r['bytes'] / 2**20:>7.1f}MB"
                f" {r['first_s']:>5.2f}s {r['wall_s']:>5.2f}s {r['cpu_s']:>5.2f}s"
                f" {r['peak_mb']:>6d} MB"
                f"  ({r['out_kb']} KB per photo kept)"
            )


if __name__ == "__main__":
    main()
