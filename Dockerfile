# Kefu, for webhook mode behind a reverse proxy (see docs/deploy.md).
# docker build -t kefu . && docker run --env-file kefu.env -p 8080:8080 kefu
FROM python:3.11-slim

# A CJK font, so /report's charts and the service record's PDF render Chinese.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot bot
COPY domain domain
COPY handlers handlers
COPY storage storage
COPY sandbox sandbox
COPY locales locales
# Bytecode and catalogs compiled at build: the kefu user cannot write them, so every start
# would otherwise compile both again.
RUN pip install --no-cache-dir . \
    && python -m compileall -q bot domain handlers storage sandbox \
    && pybabel -q compile -D kefu -d locales \
    && useradd --system --uid 10001 --home-dir /app kefu

USER kefu
ENV KEFU_LISTEN=0.0.0.0:8080 \
    PYTHONUNBUFFERED=1
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"
# Migrations run as a release step (`python -m bot migrate`); run migrates too, once, safely.
CMD ["python", "-m", "bot", "run", "--webhook"]
