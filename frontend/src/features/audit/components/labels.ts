// Labels of the actions and targets Turnout records (grep `AuditTrail(`/`record_audit(` in
// src/turnout); anything else is shown as the server wrote it.
export const ACTION_LABELS: Record<string, string> = {
  create: 'audit:action.create',
  update: 'audit:action.update',
  delete: 'audit:action.delete',
  revoke: 'audit:action.revoke',
  activate: 'audit:action.activate',
  'annotation_project.update': 'audit:action.projectUpdate',
};

export const ACTION_COLOURS: Record<string, string> = {
  create: 'green',
  update: 'blue',
  delete: 'red',
  revoke: 'volcano',
  activate: 'gold',
  'annotation_project.update': 'blue',
};

export const TARGET_LABELS: Record<string, string> = {
  provider: 'audit:target.provider',
  routing: 'audit:target.routing',
  model: 'audit:target.model',
  user: 'audit:target.user',
  api_key: 'audit:target.api_key',
  annotation_project: 'audit:target.annotation_project',
  alert_webhook: 'audit:target.alert_webhook',
};

export const ACTOR_LABELS: Record<string, string> = {
  user: 'audit:actor.user',
  api_key: 'audit:actor.api_key',
  system: 'audit:actor.system',
};
