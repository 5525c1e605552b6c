"""`make run`: the web app and, beside it, the one scheduler process; Ctrl-C stops both."""

import argparse
import subprocess
import sys

from expertpool import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run expertpool locally with its scheduler.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    app = create_app()  # fails early, before the scheduler starts, if the configuration is wrong
    # The scheduler is its own process: never inside the web server or its reloader.
    scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "expertpool", "scheduler"])  # noqa: S603
    try:
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
