# syntax=docker/dockerfile:1.7
# One image recipe for every service: docker build --build-arg SERVICE=kpi -t dinet/kpi .
# The build installs exactly the locked versions (uv.lock) of one service and its dependencies.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
RUN test -n "$SERVICE" || (echo "bouw met --build-arg SERVICE=<registratie|kpi|meldingen|beleidsplan>" >&2; exit 1)
# uv from PyPI, the same version as the workspace's .tools/bin/uv
RUN pip install --no-cache-dir uv==0.13.8
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# Dependencies first, from the manifests alone, so a code change does not reinstall them.
# uv resolves the whole workspace, so every member's manifest must be present.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/
COPY chassis/pyproject.toml chassis/
COPY cli/pyproject.toml cli/
COPY services/registratie/pyproject.toml services/registratie/
COPY services/kpi/pyproject.toml services/kpi/
COPY services/meldingen/pyproject.toml services/meldingen/
COPY services/beleidsplan/pyproject.toml services/beleidsplan/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "dinet-${SERVICE}"

# Then the code; workspace members go in as regular (non-editable) installs, so the runtime
# image needs the virtual environment only, not the sources.
COPY contracts/ contracts/
COPY chassis/ chassis/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "dinet-${SERVICE}"


FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
RUN groupadd --system --gid 10001 dinet \
 && useradd --system --uid 10001 --gid dinet --home-dir /app --no-create-home dinet \
 && mkdir -p /var/lib/dinet && chown dinet:dinet /var/lib/dinet
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DINET_SERVICE=${SERVICE} \
    DINET_DATA_DIR=/var/lib/dinet \
    DINET_HTTP_HOST=0.0.0.0 \
    DINET_HTTP_PORT=8080
WORKDIR /app
USER dinet
EXPOSE 8080
# exec: python replaces the shell as PID 1, so SIGTERM reaches the service and it stops gracefully.
CMD ["sh", "-c", "exec python -m \"$DINET_SERVICE\""]
