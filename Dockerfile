# Multi-stage build: wheels are built in the first stage, the runtime image has no compilers
# and runs as an unprivileged user. It migrates the schema, then serves on port 8000.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    SIPAS_ENVIRONMENT=production SIPAS_LOG_FORMAT=json
# DejaVu Sans: the Unicode font of the printable invitations (app/sampling/sheets.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /srv/sipas sipas
WORKDIR /srv/sipas
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY alembic.ini ./
COPY migrations ./migrations
COPY survey_forms ./survey_forms
ENV SIPAS_FORMS_DIR=/srv/sipas/survey_forms SIPAS_PROJECT_ROOT=/srv/sipas
RUN mkdir -p var && chown sipas var
USER sipas
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# SIGTERM: uvicorn stops accepting, finishes in-flight requests (30 s), then exits.
CMD ["sipas", "serve", "--host", "0.0.0.0", "--port", "8000"]
