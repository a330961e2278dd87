# Production images. Build one target each:
#   docker build --target controller -t hotline-controller .
#   docker build --target asterisk   -t hotline-asterisk .
# compose.yaml runs both with PostgreSQL. Asterisk keeps its files under /srv/hotline/prod/,
# the layout `hotline asterisk-config` renders for.

FROM python:3.11-slim-bookworm AS controller
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/hotline
COPY pyproject.toml constraints.txt ./
COPY agents agents
COPY ari ari
COPY callbacks callbacks
COPY calls calls
COPY cases cases
COPY config config
COPY console console
COPY directory directory
COPY hotline hotline
COPY ivr ivr
COPY knowledge knowledge
COPY quality quality
COPY recordings recordings
COPY reports reports
COPY routing routing
COPY sandbox sandbox
COPY schedule schedule
COPY simulate simulate
COPY sms sms
COPY store store
COPY supervision supervision
COPY urgent urgent
COPY workorders workorders
COPY bench bench
COPY asterisk-conf asterisk-conf
# Editable, so sandbox/ finds asterisk-conf/ beside it when rendering Asterisk's configuration.
RUN pip install --no-cache-dir -c constraints.txt -e . \
 && useradd --system --uid 10368 --home-dir /var/lib/hotline hotline \
 && mkdir -p /var/lib/hotline/recordings && chown -R hotline /var/lib/hotline
USER hotline
ENV HOTLINE_VAR_DIR=/var/lib/hotline HOTLINE_SECRETS_DIR=/run/secrets
ENTRYPOINT ["hotline"]
CMD ["run", "--config", "/etc/hotline/hotline.yaml", "--log-format", "json"]

# Asterisk 22 from Debian unstable: the same package the development sandbox uses.
FROM debian:sid-slim AS asterisk
RUN apt-get update \
 && apt-get install -y --no-install-recommends asterisk asterisk-modules asterisk-core-sounds-en-gsm \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /srv/hotline/prod/etc /srv/hotline/prod/run /srv/hotline/prod/spool/recording \
             /srv/hotline/prod/log /srv/hotline/prod/lib /srv/hotline/prod/db \
             /srv/hotline/prod/cache /srv/hotline/prod/prompts /srv/hotline/prod/moh \
 && chown -R asterisk:asterisk /srv/hotline/prod
CMD ["asterisk", "-f", "-U", "asterisk", "-G", "asterisk", "-C", "/srv/hotline/prod/etc/asterisk.conf"]
