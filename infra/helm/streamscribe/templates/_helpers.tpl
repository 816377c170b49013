{{- define "streamscribe.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "streamscribe.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "streamscribe.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Pod annotations: Prometheus scrapes every pod on the metrics port. */}}
{{- define "streamscribe.scrapeAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | quote }}
prometheus.io/path: /metrics
{{- end -}}

{{/* The Kafka connection as KAFKA_* env vars (KafkaSettings) and the topic names (TopicSettings). */}}
{{- define "streamscribe.kafkaEnv" -}}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ .Values.kafka.bootstrapServers | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ .Values.kafka.securityProtocol | quote }}
{{- if hasPrefix "SASL_" .Values.kafka.securityProtocol }}
- name: KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ required "kafka.sasl.username is required with SASL" .Values.kafka.sasl.username | quote }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret is required with SASL" .Values.kafka.sasl.existingSecret }}
      key: {{ .Values.kafka.sasl.passwordKey }}
{{- end }}
{{- if hasSuffix "SSL" .Values.kafka.securityProtocol }}
- name: KAFKA_SSL_CHECK_HOSTNAME
  value: {{ .Values.kafka.tls.checkHostname | quote }}
{{- if .Values.kafka.tls.caSecret }}
- name: KAFKA_SSL_CA_LOCATION
  value: /etc/streamscribe/kafka-ca/{{ .Values.kafka.tls.caKey }}
{{- end }}
{{- end }}
- name: STREAMSCRIBE_TOPIC_CHUNKS
  value: {{ .Values.topics.chunks | quote }}
- name: STREAMSCRIBE_TOPIC_SEGMENTS
  value: {{ .Values.topics.segments | quote }}
- name: STREAMSCRIBE_TOPIC_TRANSCRIPTS
  value: {{ .Values.topics.transcripts | quote }}
- name: STREAMSCRIBE_TOPIC_REJECTED
  value: {{ .Values.topics.rejected | quote }}
- name: STREAMSCRIBE_TOPIC_AUDIO_PARTITIONS
  value: {{ .Values.topics.audioPartitions | quote }}
- name: STREAMSCRIBE_TOPIC_TRANSCRIPT_PARTITIONS
  value: {{ .Values.topics.transcriptPartitions | quote }}
- name: STREAMSCRIBE_TOPIC_REPLICATION_FACTOR
  value: {{ .Values.topics.replicationFactor | quote }}
{{- end -}}

{{- define "streamscribe.caVolumeMounts" -}}
{{- if and (hasSuffix "SSL" .Values.kafka.securityProtocol) .Values.kafka.tls.caSecret }}
volumeMounts:
  - name: kafka-ca
    mountPath: /etc/streamscribe/kafka-ca
    readOnly: true
{{- end }}
{{- end -}}

{{- define "streamscribe.caVolumes" -}}
{{- if and (hasSuffix "SSL" .Values.kafka.securityProtocol) .Values.kafka.tls.caSecret }}
volumes:
  - name: kafka-ca
    secret:
      secretName: {{ .Values.kafka.tls.caSecret }}
{{- end }}
{{- end -}}

{{/* Probes on the metrics endpoint: it answers once the service has started its consumer. */}}
{{- define "streamscribe.probes" -}}
readinessProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 5
  failureThreshold: 3
startupProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 5
  failureThreshold: 60
livenessProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 10
  failureThreshold: 6
{{- end -}}

{{/* KEDA's Kafka scaler connection: same servers and, with SASL/TLS, a TriggerAuthentication. */}}
{{- define "streamscribe.kedaKafkaMetadata" -}}
bootstrapServers: {{ .Values.kafka.bootstrapServers | quote }}
{{- if ne .Values.kafka.securityProtocol "PLAINTEXT" }}
{{- $modes := dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512" }}
sasl: {{ ternary (get $modes .Values.kafka.sasl.mechanism) "none" (hasPrefix "SASL_" .Values.kafka.securityProtocol) | quote }}
tls: {{ ternary "enable" "disable" (hasSuffix "SSL" .Values.kafka.securityProtocol) | quote }}
{{- end }}
{{- end -}}
