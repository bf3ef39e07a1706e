{{/* Names and labels shared by every template. */}}

{{- define "llm-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "llm-gateway.fullname" -}}
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

{{- define "llm-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "llm-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "llm-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "llm-gateway.labels" -}}
helm.sh/chart: {{ include "llm-gateway.chart" . }}
{{ include "llm-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: gateway
app.kubernetes.io/part-of: llm-gateway
{{- end }}

{{- define "llm-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "llm-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "llm-gateway.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The config file as rendered into the ConfigMap; hashed to roll pods when it changes. */}}
{{- define "llm-gateway.configFile" -}}
{{- $config := deepCopy (default dict .Values.config) }}
{{- if .Values.tls.existingSecret }}
{{- $server := default dict (get $config "server") }}
{{- $_ := set $server "tls" (dict "cert_file" "/etc/llm-gateway-tls/tls.crt" "key_file" "/etc/llm-gateway-tls/tls.key") }}
{{- $_ := set $config "server" $server }}
{{- end }}
{{- if $config }}
{{- toYaml $config }}
{{- else }}
{}
{{- end }}
{{- end }}

{{/* drain_timeout_s from the config, else the gateway's default (30). */}}
{{- define "llm-gateway.drainTimeout" -}}
{{- $server := default dict (get (default dict .Values.config) "server") }}
{{- if hasKey $server "drain_timeout_s" }}{{ int (get $server "drain_timeout_s") }}{{ else }}30{{ end }}
{{- end }}

{{/*
One secretKeyRef env entry. Args: dict "name" ENV_NAME "ref" .Values.secrets.X "default" existingSecret.
Renders nothing when the entry has no key or no Secret name.
*/}}
{{- define "llm-gateway.secretEnv" -}}
{{- $secret := default .default .ref.secretName }}
{{- if and $secret .ref.key }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ .ref.key | quote }}
      optional: {{ .ref.optional | default false }}
{{- end }}
{{- end }}

{{/* Every credential's env entry (CLAUDE_API_KEY, INTERNAL_LLM_API_KEY, OPENAI_API_KEY, GATEWAY_ADMIN_KEY, KEYCLOAK_CLIENT_SECRET, GATEWAY_SESSION_KEY, QUOTA_REDIS_URL). */}}
{{- define "llm-gateway.secretEnvs" -}}
{{- $default := .Values.secrets.existingSecret }}
{{- include "llm-gateway.secretEnv" (dict "name" "CLAUDE_API_KEY" "ref" .Values.secrets.claudeApiKey "default" $default) }}
{{- include "llm-gateway.secretEnv" (dict "name" "INTERNAL_LLM_API_KEY" "ref" .Values.secrets.internalLlmApiKey "default" $default) }}
{{- include "llm-gateway.secretEnv" (dict "name" "OPENAI_API_KEY" "ref" .Values.secrets.openaiApiKey "default" $default) }}
{{- include "llm-gateway.secretEnv" (dict "name" "GATEWAY_ADMIN_KEY" "ref" .Values.secrets.adminKey "default" $default) }}
{{- include "llm-gateway.secretEnv" (dict "name" "KEYCLOAK_CLIENT_SECRET" "ref" .Values.secrets.keycloakClientSecret "default" $default) }}
{{- include "llm-gateway.secretEnv" (dict "name" "GATEWAY_SESSION_KEY" "ref" .Values.secrets.sessionKey "default" $default) }}
{{- include "llm-gateway.secretEnv" (dict "name" "QUOTA_REDIS_URL" "ref" .Values.secrets.quotaRedisUrl "default" $default) }}
{{- end }}

{{/* Fails the render on settings that would make a broken or unsafe Deployment. */}}
{{- define "llm-gateway.validate" -}}
{{- $drain := int (include "llm-gateway.drainTimeout" .) }}
{{- $sleep := int .Values.lifecycle.preStopSleepSeconds }}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- if le $grace (add $sleep $drain) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed lifecycle.preStopSleepSeconds (%d) + config.server.drain_timeout_s (%d), or the kubelet kills streams mid-drain" $grace $sleep $drain) }}
{{- end }}
{{- $redisSecret := and (default .Values.secrets.existingSecret .Values.secrets.quotaRedisUrl.secretName) .Values.secrets.quotaRedisUrl.key }}
{{- if and .Values.secrets.quotaRedisUrl.key (not (default .Values.secrets.existingSecret .Values.secrets.quotaRedisUrl.secretName)) }}
{{- fail "secrets.quotaRedisUrl.key is set but no Secret is named: set secrets.existingSecret or secrets.quotaRedisUrl.secretName" }}
{{- end }}
{{- if and $redisSecret .Values.gateway.quotaRedisUrl }}
{{- fail "set QUOTA_REDIS_URL either as gateway.quotaRedisUrl or from secrets.quotaRedisUrl, not both" }}
{{- end }}
{{- if and .Values.gateway.keycloakClientId (not .Values.gateway.publicUrl) }}
{{- fail "gateway.keycloakClientId turns sign-in on, which needs gateway.publicUrl (the https URL developers reach the gateway at)" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled (not (kindIs "invalid" .Values.podDisruptionBudget.maxUnavailable)) (not (kindIs "invalid" .Values.podDisruptionBudget.minAvailable)) }}
{{- fail "podDisruptionBudget: set maxUnavailable or minAvailable, not both" }}
{{- end }}
{{- /* The embedded store is per pod: several pods on it would each count their own quota. */}}
{{- $store := (.Values.config | default dict).store | default dict }}
{{- $redisInEnv := false }}
{{- range .Values.extraEnv }}{{- if eq .name "QUOTA_REDIS_URL" }}{{- $redisInEnv = true }}{{- end }}{{- end }}
{{- $redis := or $redisSecret .Values.gateway.quotaRedisUrl $store.redis_url $redisInEnv }}
{{- if and (not $redis) (or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1)) }}
{{- fail "more than one pod (replicaCount > 1 or autoscaling.enabled) needs a Redis/Valkey URL (secrets.quotaRedisUrl, gateway.quotaRedisUrl, config.store.redis_url or an extraEnv QUOTA_REDIS_URL): the embedded store is per pod, so every pod would count its own quota and keep its own keys" }}
{{- end }}
{{- $kc := ((.Values.config | default dict).auth | default dict).keycloak | default dict }}
{{- if and (or .Values.gateway.keycloakUrl $kc.issuer) (not (or .Values.gateway.keycloakAudience .Values.gateway.keycloakClients $kc.audience $kc.clients)) }}
{{- fail "Keycloak needs gateway.keycloakAudience or gateway.keycloakClients (or config.auth.keycloak.audience / clients): without either, a token any client of the realm obtained would be accepted" }}
{{- end }}
{{- end }}
