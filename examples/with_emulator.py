#!/usr/bin/env python3
"""Runs a program against a bedrock-emulator process, as a user without an AWS account would:

    with_emulator.py path/to/bedrock-emulator -- program [args...]

Starts the emulator on a free port, puts what it prints (endpoint, CA bundle, key pair, region)
into the program's environment in place of any AWS configuration, runs the program, stops the
emulator, and exits with the program's status. For the examples that cannot embed the emulator
in-process (examples/game_loop.cpp is built without exceptions; the emulator is not).
"""
import os
import subprocess
import sys
import tempfile


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: with_emulator.py BEDROCK_EMULATOR -- PROGRAM [ARGS...]")
    emulator, program = argv[1], argv[3:]
    with tempfile.TemporaryDirectory(prefix="bedrock-emulator-") as tmp:
        server = subprocess.Popen([emulator, "--ca-file", os.path.join(tmp, "ca.pem")],
                                  stdout=subprocess.PIPE, text=True)
        try:
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("AWS_") and k != "BEDROCK_HTTP_VERSION"}
            env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
            # The emulator prints NAME=value lines, then a comment, once it listens.
            for line in server.stdout:
                line = line.strip()
                if line.startswith("#"):
                    break
                name, _, value = line.partition("=")
                env[name] = value
            if "AWS_ENDPOINT_URL_BEDROCK_RUNTIME" not in env:
                sys.exit("with_emulator.py: the emulator did not start")
            return subprocess.run(program, env=env, timeout=300).returncode
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
