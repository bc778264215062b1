# syntax=docker/dockerfile:1
# One image for every Landkontor process; the command picks the role:
#   api --no-migrate --host 0.0.0.0 | worker | beat | flower | db upgrade
# Build: docker build -t landkontor .   (BuildKit; `docker buildx build` works the same)

ARG PYTHON_VERSION=3.12

# --- builder: compilers live here only; produces wheels for the package and every dependency
FROM python:${PYTHON_VERSION}-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
# The compiler comes with the base image's Debian release; pinning its version adds nothing.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels .

# --- runtime: slim Python, the wheels, an unprivileged user; no build tools
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="Landkontor" \
      org.opencontainers.image.description="ERP for agricultural trade and feed production" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANDKONTOR_VAR_DIR=/var/lib/landkontor \
    LANDKONTOR_API_HOST=0.0.0.0 \
    LANDKONTOR_LOG_FORMAT=json \
    HEALTHCHECK_URL=http://127.0.0.1:8000/health
RUN groupadd --system --gid 10001 landkontor \
    && useradd --system --uid 10001 --gid landkontor --no-create-home \
       --home-dir /var/lib/landkontor --shell /usr/sbin/nologin landkontor \
    && install -d -o landkontor -g landkontor -m 0750 /var/lib/landkontor
# Only the wheels built above (--no-index): their versions were fixed in the builder.
# hadolint ignore=DL3013
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels landkontor
USER 10001:10001
WORKDIR /var/lib/landkontor
EXPOSE 8000 5555 9808
# HEALTHCHECK_URL: /health of the API by default; compose points workers and Flower at theirs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=4)"]
ENTRYPOINT ["landkontor"]
CMD ["api", "--no-migrate", "--host", "0.0.0.0"]
