{{/* The release's resource name. */}}
{{- define "poolguard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every resource. */}}
{{- define "poolguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "poolguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels that select the pods. */}}
{{- define "poolguard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "poolguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "poolguard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The config file: values.config with the listeners and Redis set by the chart. */}}
{{- define "poolguard.config" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $_ := set $cfg "listen" (printf "0.0.0.0:%d" (int .Values.service.port)) -}}
{{- $_ := set $cfg "admin_listen" (printf "0.0.0.0:%d" (int .Values.service.adminPort)) -}}
{{- if .Values.redis.address -}}
{{- $redis := dict "address" .Values.redis.address "tls" .Values.redis.tls "failure" .Values.redis.failure -}}
{{- if .Values.redis.password.secretName -}}
{{- $_ := set $redis "password_env" "REDIS_PASSWORD" -}}
{{- end -}}
{{- $state := default (dict) (get $cfg "state") -}}
{{- $_ := set $state "redis" $redis -}}
{{- $_ := set $cfg "state" $state -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}
