-- The change feed (issue #10): every write to a service's facets notifies 'trunkline_changes' with the service
-- and its customer. PostgreSQL (and PGlite) deliver the notification when the transaction commits, to every
-- listening process; a rolled-back write notifies nobody.
CREATE OR REPLACE FUNCTION trunkline_notify_service_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  sid uuid;
  cid uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  -- A lease renewal changes neither the run's status nor its time of change: nothing to show.
  IF TG_TABLE_NAME = 'workflows' AND TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
     AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'services' THEN
    sid := r.id;
    cid := r.customer_id;
  ELSIF TG_TABLE_NAME = 'workflow_steps' THEN
    SELECT w.service_id INTO sid FROM workflows w WHERE w.id = r.workflow_id;
  ELSE
    sid := r.service_id;
  END IF;
  IF sid IS NULL THEN RETURN NULL; END IF;
  IF cid IS NULL THEN SELECT s.customer_id INTO cid FROM services s WHERE s.id = sid; END IF;
  PERFORM pg_notify('trunkline_changes', json_build_object('serviceId', sid, 'customerId', cid)::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER services_change_feed AFTER INSERT OR UPDATE OR DELETE ON services
  FOR EACH ROW EXECUTE FUNCTION trunkline_notify_service_change();
--> statement-breakpoint
CREATE TRIGGER service_connections_change_feed AFTER INSERT OR UPDATE OR DELETE ON service_connections
  FOR EACH ROW EXECUTE FUNCTION trunkline_notify_service_change();
--> statement-breakpoint
CREATE TRIGGER invitations_change_feed AFTER INSERT OR UPDATE OR DELETE ON invitations
  FOR EACH ROW EXECUTE FUNCTION trunkline_notify_service_change();
--> statement-breakpoint
CREATE TRIGGER service_m365_settings_change_feed AFTER INSERT OR UPDATE OR DELETE ON service_m365_settings
  FOR EACH ROW EXECUTE FUNCTION trunkline_notify_service_change();
--> statement-breakpoint
CREATE TRIGGER workflows_change_feed AFTER INSERT OR UPDATE OR DELETE ON workflows
  FOR EACH ROW EXECUTE FUNCTION trunkline_notify_service_change();
--> statement-breakpoint
CREATE TRIGGER workflow_steps_change_feed AFTER INSERT OR UPDATE OR DELETE ON workflow_steps
  FOR EACH ROW EXECUTE FUNCTION trunkline_notify_service_change();
