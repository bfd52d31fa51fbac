FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY ecomai ecomai
COPY apps apps
RUN pip install --no-cache-dir -e .
COPY . .
RUN useradd --create-home ecomai && mkdir -p /data /models && chown ecomai /data /models
USER ecomai
EXPOSE 8000
