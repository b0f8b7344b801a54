-- Governance: the audit trail of mutations, replays and denied access (README "Security", decision 0008).

-- CreateTable
CREATE TABLE "audit_entry" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "caller" TEXT NOT NULL,
    "roles" JSONB NOT NULL DEFAULT '[]',
    "operation" TEXT NOT NULL,
    "arguments" JSONB,
    "outcome" TEXT NOT NULL,
    "detail" TEXT,
    "transaction_id" TEXT,
    "request_id" TEXT NOT NULL,
    "trace_id" TEXT,

    CONSTRAINT "audit_entry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_entry_at_idx" ON "audit_entry"("at");

-- CreateIndex
CREATE INDEX "audit_entry_caller_at_idx" ON "audit_entry"("caller", "at");

-- CreateIndex
CREATE INDEX "audit_entry_kind_at_idx" ON "audit_entry"("kind", "at");
