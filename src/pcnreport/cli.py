"""The `pcnreport` command line: one small function a subcommand.

`main(argv)` returns an exit code instead of exiting, so tests call it in-process. User errors
(the `PcnReportError` family) print their message without a traceback and exit with their code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pcnreport.core.errors import PcnReportError

# The synthetic sample's default seed and format era, repeated here so that building the parser imports
# no analysis code (tests check they equal SyntheticSpec().seed and synth.DEFAULT_VINTAGE).
DEFAULT_SEED = 20200101
DEFAULT_VINTAGE = "2019-12"


def cmd_build(args: argparse.Namespace) -> int:
    from pcnreport.build.pipeline import BuildOptions, build, explain

    options = BuildOptions(
        project_dir=args.project,
        data_dir=args.data_dir,
        release=args.release,
        population_source=args.population_source,
        renderer=args.renderer,
        seed=args.seed,
        vintage=args.vintage,
        jobs=args.jobs,
        force=args.force,
        compare_with=args.compare_with,
        site_url=args.site_url,
        scheduler=args.scheduler,
    )
    if args.explain:
        for step in explain(options):
            print(step.line())
        return 0
    result = build(options, progress=lambda line: print(line, flush=True))
    kind = "synthetic sample" if result.synthetic else f"data in {result.data_dir}"
    if not result.ran and not result.rendered:
        print(f"Nothing changed: the report in {result.site_index.parent} is up to date.")
    else:
        profiles = sum(name.startswith("profile.") for name in result.ran)
        months = sum(name.startswith("month.") for name in result.ran)
        print(f"Built the report from the {kind} with {result.renderer}"
              f" ({len(result.ran)} notebook run(s): {months} month(s), {profiles} area profile(s);"
              f" {len(result.skipped)} unchanged):")
    print(f"  website: {result.site_index}")
    print(f"  PDF:     {result.pdf}")
    for step, seconds in result.timings.items():
        print(f"  {step:<40} {seconds:6.1f} s")
    return 0


def _jobs(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return value


def _vintage(text: str) -> str:
    from pcnreport.data.synth import get_vintage

    try:
        get_vintage(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _site_url(text: str) -> str:
    if not text.startswith(("https://", "http://")) or " " in text:
        raise argparse.ArgumentTypeError(f"--site-url: '{text}' is not an http(s) address")
    return text


def _scheduler(text: str) -> str:
    # Checked here (no connection made) so a mistyped address fails before the build starts; the module
    # imports no Dask at the top, so the parser stays light.
    from pcnreport.build.cluster import ClusterError, check_address

    try:
        return check_address(text)
    except ClusterError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cmd_synth(args: argparse.Namespace) -> int:
    from pcnreport.data.synth import SyntheticSpec, write_sample

    written = write_sample(args.out, SyntheticSpec(seed=args.seed), args.vintage)
    for dataset, path in written.items():
        print(f"{dataset:<14} {path}")
    return 0


def _catalogue(args: argparse.Namespace):
    from pcnreport.data.catalogue import load_catalogue

    return load_catalogue(args.project / "data" / "catalogue.yaml")


def cmd_data_fetch(args: argparse.Namespace) -> int:
    from pcnreport.data.fetch import fetch, fetchable

    catalogue = _catalogue(args)
    data_dir = args.data_dir or args.project / ".cache" / "data"
    cache_dir = args.project / ".cache" / "downloads"
    if args.all == (args.dataset is not None):
        raise PcnReportError("name one DATASET, or use --all (not both)")
    if args.all:
        wanted = [(d.name, r.id) for d in catalogue.datasets.values() for r in fetchable(d) if r.fetch_with_all]
    else:
        wanted = [(args.dataset, args.release)]
    for dataset, release in wanted:
        path = fetch(catalogue, dataset, release, data_dir, cache_dir=cache_dir, refresh=args.refresh)
        print(f"{dataset:<19} {path}")
    if args.all:
        skipped = [d for d in catalogue.datasets.values() if not fetchable(d)]
        print(f"not downloadable (landing page only, or not public): {', '.join(d.name for d in skipped)}")
        print("  `pcnreport data fetch DATASET` says where to get each by hand")
        held = [f"{d.name} {r.id}" for d in catalogue.datasets.values() for r in fetchable(d) if not r.fetch_with_all]
        if held:
            print(f"left out of --all (their notes say why; fetch each with --release): {', '.join(held)}")
        needed = [d.name for d in skipped if d.required]
        if args.require_all and needed:
            from pcnreport.core.errors import DataNotFoundError

            raise DataNotFoundError(
                f"the build needs {', '.join(needed)}, which cannot be downloaded: place "
                f"{'it' if len(needed) == 1 else 'them'} in '{data_dir}' by hand "
                f"(`pcnreport data fetch {needed[0]}` says where to find it)"
            )
    return 0


def cmd_data_validate(args: argparse.Namespace) -> int:
    from pcnreport.core.errors import DataNotFoundError
    from pcnreport.data.validate import validate_data_dir

    report = validate_data_dir(_catalogue(args), args.data_dir)
    print(report.text())
    if not report.found:
        raise DataNotFoundError(f"'{args.data_dir}': holds no dataset of the catalogue")
    return 0 if report.ok else 3


def cmd_data_check_updates(args: argparse.Namespace) -> int:
    from pcnreport.data.updates import run

    return run(_catalogue(args), apply=args.apply, cache_dir=args.project / ".cache" / "downloads")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pcnreport", description=__doc__.splitlines()[0])
    top.add_argument("--project", type=Path, default=Path.cwd(), help="the project folder (default: here)")
    sub = top.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="run the analysis and render the website and PDF into _book/")
    build.add_argument("--data-dir", type=Path, help="a data folder (<dataset>/<release>/<file>); default: the synthetic sample")
    build.add_argument("--release", help="label of the data release shown in the report")
    build.add_argument("--population-source", choices=["registrations", "payments"], default="registrations",
                       help="where practice list sizes come from (default: registrations)")
    build.add_argument("--renderer", choices=["auto", "quarto", "pandoc+typst"], default="auto",
                       help="auto: Quarto when on PATH, otherwise pandoc + Typst")
    build.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the synthetic sample")
    build.add_argument("--vintage", type=_vintage, default=DEFAULT_VINTAGE, metavar="YYYY-MM",
                       help=f"build on the synthetic sample in the formats published that month, or 'latest' "
                            f"(default: {DEFAULT_VINTAGE}, the interim report's)")
    build.add_argument("--jobs", "-j", type=_jobs, default=None,
                       help="notebooks run at once (default: the number of CPU cores)")
    build.add_argument("--explain", action="store_true",
                       help="print each step with whether it would run and why, and run nothing")
    build.add_argument("--force", action="store_true",
                       help="ignore the cache: run every notebook and render every page")
    build.add_argument("--compare-with", metavar="PATH_OR_URL",
                       help="numbers.json of the build to list changes against (default: _book/numbers.json)")
    build.add_argument("--site-url", type=_site_url, metavar="URL",
                       help="the address the site is published at, printed in the book's citation and PDF "
                            "(default: book.site-url of _quarto.yml)")
    build.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS",
                       help="run the notebooks on the Dask cluster of this scheduler (tcp://HOST:8786); its "
                            "workers must see the project folder at the same path (default: on this machine)")
    build.set_defaults(func=cmd_build)

    synth = sub.add_parser("synth", help="write the synthetic sample in the publishers' formats")
    synth.add_argument("out", type=Path)
    synth.add_argument("--seed", type=int, default=DEFAULT_SEED)
    synth.add_argument("--vintage", type=_vintage, default=DEFAULT_VINTAGE, metavar="YYYY-MM",
                       help=f"write the files as published that month (eras from 2019-12), or 'latest' "
                            f"(default: {DEFAULT_VINTAGE}, the interim report's)")
    synth.set_defaults(func=cmd_synth)

    data = sub.add_parser("data", help="fetch and validate the catalogued data sources").add_subparsers(
        dest="data_command", required=True
    )
    fetch = data.add_parser("fetch", help="download a release, verify its checksum and place it in a data folder")
    fetch.add_argument("dataset", nargs="?", help="a dataset of data/catalogue.yaml")
    fetch.add_argument("--release", help="the release id (default: the latest downloadable one)")
    fetch.add_argument("--all", action="store_true", help="every release with a confirmed download address")
    fetch.add_argument("--data-dir", type=Path, help="where to place the files (default: .cache/data)")
    fetch.add_argument("--refresh", action="store_true", help="download again releases with no checksum")
    fetch.add_argument(
        "--require-all",
        action="store_true",
        help="with --all: fail (exit 4) when a dataset the build needs has no downloadable release",
    )
    fetch.set_defaults(func=cmd_data_fetch)
    validate = data.add_parser("validate", help="check every dataset of a data folder with its reader")
    validate.add_argument("data_dir", type=Path)
    validate.set_defaults(func=cmd_data_validate)
    updates = data.add_parser("check-updates", help="find publishers' releases newer than the catalogue names "
                              "(exit 0: none, 10: found)")
    updates.add_argument("--apply", action="store_true", help="add them to data/catalogue.yaml")
    updates.set_defaults(func=cmd_data_check_updates)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except PcnReportError as exc:
        print(f"pcnreport: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("pcnreport: interrupted; the published report is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
