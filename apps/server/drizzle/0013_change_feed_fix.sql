-- 0012's function read NEW.updated_at of every table (PL/pgSQL does not short-circuit AND), which fails for
-- tables without that column. The lease-renewal check now runs only for workflows.
CREATE OR REPLACE FUNCTION trunkline_notify_service_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  sid uuid;
  cid uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_TABLE_NAME = 'services' THEN
    sid := r.id;
    cid := r.customer_id;
  ELSIF TG_TABLE_NAME = 'workflow_steps' THEN
    SELECT w.service_id INTO sid FROM workflows w WHERE w.id = r.workflow_id;
  ELSIF TG_TABLE_NAME = 'workflows' THEN
    -- A lease renewal changes neither the run's status nor its time of change: nothing to show.
    IF TG_OP = 'UPDATE' THEN
      IF NEW.status IS NOT DISTINCT FROM OLD.status AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        RETURN NULL;
      END IF;
    END IF;
    sid := r.service_id;
  ELSE
    sid := r.service_id;
  END IF;
  IF sid IS NULL THEN RETURN NULL; END IF;
  IF cid IS NULL THEN SELECT s.customer_id INTO cid FROM services s WHERE s.id = sid; END IF;
  PERFORM pg_notify('trunkline_changes', json_build_object('serviceId', sid, 'customerId', cid)::text);
  RETURN NULL;
END $$;
