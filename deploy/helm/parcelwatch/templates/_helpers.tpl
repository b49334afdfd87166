{{/* Names */}}
{{- define "parcelwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "parcelwatch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's object name: (dict "root" $ "component" "webhook") */}}
{{- define "parcelwatch.componentName" -}}
{{- printf "%s-%s" (include "parcelwatch.fullname" .root | trunc 50 | trimSuffix "-") .component }}
{{- end }}

{{- define "parcelwatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels */}}
{{- define "parcelwatch.labels" -}}
helm.sh/chart: {{ include "parcelwatch.chart" . }}
app.kubernetes.io/name: {{ include "parcelwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: parcelwatch
{{- end }}

{{/* (dict "root" $ "component" "webhook") */}}
{{- define "parcelwatch.componentLabels" -}}
{{ include "parcelwatch.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "parcelwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "parcelwatch.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Image, service account, secret */}}
{{- define "parcelwatch.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "parcelwatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "parcelwatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "parcelwatch.secretName" -}}
{{- if .Values.secret.existingSecret }}
{{- .Values.secret.existingSecret }}
{{- else if .Values.secret.create }}
{{- include "parcelwatch.fullname" . }}
{{- end }}
{{- end }}

{{/* Pod annotations that roll the pods when the settings change */}}
{{- define "parcelwatch.configChecksums" -}}
checksum/config: {{ include (print .Template.BasePath "/00-configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/01-secret.yaml") . | sha256sum }}
{{- end }}

{{/* The pod spec parts every process shares */}}
{{- define "parcelwatch.podCommon" -}}
serviceAccountName: {{ include "parcelwatch.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* A container's image, settings and security: (dict "root" $ "env" .Values.webhook.env) */}}
{{- define "parcelwatch.containerCommon" -}}
image: {{ include "parcelwatch.image" .root }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
envFrom:
  - configMapRef:
      name: {{ include "parcelwatch.fullname" .root }}
  {{- with (include "parcelwatch.secretName" .root) }}
  - secretRef:
      name: {{ . }}
  {{- end }}
{{- with .env }}
env:
  {{- range $name, $value := . }}
  - name: {{ $name }}
    value: {{ $value | quote }}
  {{- end }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
{{- end }}

{{/* Scheduling: (dict "values" .Values.webhook) */}}
{{- define "parcelwatch.scheduling" -}}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
