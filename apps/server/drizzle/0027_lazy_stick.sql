DROP INDEX "qoe_calls_service_start_idx";--> statement-breakpoint
DROP INDEX "qoe_calls_start_idx";--> statement-breakpoint
DROP INDEX "qoe_dr_calls_service_start_idx";--> statement-breakpoint
DROP INDEX "qoe_dr_calls_start_idx";--> statement-breakpoint
DROP INDEX "qoe_streams_service_start_idx";--> statement-breakpoint
DROP INDEX "qoe_streams_start_idx";--> statement-breakpoint
CREATE INDEX "qoe_calls_service_start_idx" ON "qoe_calls" USING btree ("service_id","start_at","poor_stream_count","stream_count");--> statement-breakpoint
CREATE INDEX "qoe_calls_start_idx" ON "qoe_calls" USING btree ("start_at","service_id","poor_stream_count","stream_count");--> statement-breakpoint
CREATE INDEX "qoe_dr_calls_service_start_idx" ON "qoe_dr_calls" USING btree ("service_id","start_at","successful","final_sip_code","final_sip_phrase");--> statement-breakpoint
CREATE INDEX "qoe_dr_calls_start_idx" ON "qoe_dr_calls" USING btree ("start_at","service_id","successful","final_sip_code","final_sip_phrase");--> statement-breakpoint
CREATE INDEX "qoe_streams_service_start_idx" ON "qoe_streams" USING btree ("service_id","start_at","poor","avg_jitter_ms","avg_packet_loss","avg_round_trip_ms","avg_audio_degradation","avg_concealed_ratio");--> statement-breakpoint
CREATE INDEX "qoe_streams_start_idx" ON "qoe_streams" USING btree ("start_at","service_id","poor","avg_jitter_ms","avg_packet_loss","avg_round_trip_ms","avg_audio_degradation","avg_concealed_ratio");