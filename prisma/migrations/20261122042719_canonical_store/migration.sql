-- Canonical store: cached canonical entities with per-row freshness, and the
-- durable cross-system id map. Mirrors prisma/schema.prisma exactly.
-- No foreign keys between cached entity tables (the cache is partial); only the
-- child tables reference their parent, with cascade.

-- CreateEnum
CREATE TYPE "source_system" AS ENUM ('CRM', 'ERP', 'PSA');

-- CreateEnum
CREATE TYPE "customer_status" AS ENUM ('PROSPECT', 'ACTIVE', 'ON_HOLD', 'INACTIVE');

-- CreateEnum
CREATE TYPE "opportunity_stage" AS ENUM ('PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION', 'CLOSED_WON', 'CLOSED_LOST');

-- CreateEnum
CREATE TYPE "project_status" AS ENUM ('PLANNED', 'ACTIVE', 'ON_HOLD', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "contract_type" AS ENUM ('TIME_AND_MATERIALS', 'FIXED_FEE', 'RETAINER');

-- CreateEnum
CREATE TYPE "assignment_status" AS ENUM ('PROPOSED', 'CONFIRMED', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "time_entry_status" AS ENUM ('DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED', 'INVOICED');

-- CreateEnum
CREATE TYPE "invoice_status" AS ENUM ('DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID', 'OVERDUE', 'VOID', 'BLOCKED');

-- CreateTable
CREATE TABLE "external_ref" (
    "entity_type" TEXT NOT NULL,
    "system" "source_system" NOT NULL,
    "external_id" TEXT NOT NULL,
    "canonical_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "external_ref_pkey" PRIMARY KEY ("entity_type", "system", "external_id")
);

-- CreateTable
CREATE TABLE "customer" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "legal_name" TEXT,
    "legal_entity" TEXT,
    "tax_id" TEXT,
    "currency" TEXT NOT NULL,
    "status" "customer_status" NOT NULL,
    "billing_line1" TEXT,
    "billing_city" TEXT,
    "billing_postal_code" TEXT,
    "billing_country" TEXT,
    "parent_id" TEXT,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "opportunity" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "stage" "opportunity_stage" NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "amount_currency" TEXT NOT NULL,
    "close_date" DATE,
    "service_line" TEXT,
    "project_id" TEXT,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "opportunity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "opportunity_id" TEXT,
    "status" "project_status" NOT NULL,
    "contract_type" "contract_type" NOT NULL,
    "budget" DECIMAL(18,2),
    "budget_currency" TEXT,
    "start_date" DATE,
    "end_date" DATE,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_order" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "budget_delta" DECIMAL(18,2) NOT NULL,
    "budget_delta_currency" TEXT NOT NULL,
    "approved_at" TIMESTAMPTZ(3),

    CONSTRAINT "change_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resource" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "title" TEXT,
    "skills" TEXT[],
    "bill_rate" DECIMAL(18,2),
    "bill_rate_currency" TEXT,
    "cost_rate" DECIMAL(18,2),
    "cost_rate_currency" TEXT,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "resource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assignment" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "resource_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "planned_hours" DOUBLE PRECISION NOT NULL,
    "bill_rate" DECIMAL(18,2) NOT NULL,
    "bill_rate_currency" TEXT NOT NULL,
    "status" "assignment_status" NOT NULL,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "time_entry" (
    "id" TEXT NOT NULL,
    "resource_id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "hours" DOUBLE PRECISION NOT NULL,
    "billable" BOOLEAN NOT NULL,
    "status" "time_entry_status" NOT NULL,
    "notes" TEXT,
    "invoice_id" TEXT,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "time_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice" (
    "id" TEXT NOT NULL,
    "number" TEXT,
    "customer_id" TEXT NOT NULL,
    "project_id" TEXT,
    "status" "invoice_status" NOT NULL,
    "issue_date" DATE,
    "due_date" DATE,
    "total" DECIMAL(18,2) NOT NULL,
    "total_currency" TEXT NOT NULL,
    "balance" DECIMAL(18,2) NOT NULL,
    "balance_currency" TEXT NOT NULL,
    "blocked_reason" TEXT,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "invoice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice_line" (
    "invoice_id" TEXT NOT NULL,
    "line_no" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "resource_id" TEXT,
    "hours" DOUBLE PRECISION,
    "rate" DECIMAL(18,2),
    "rate_currency" TEXT,
    "amount" DECIMAL(18,2) NOT NULL,
    "amount_currency" TEXT NOT NULL,

    CONSTRAINT "invoice_line_pkey" PRIMARY KEY ("invoice_id", "line_no")
);

-- CreateTable
CREATE TABLE "payment" (
    "id" TEXT NOT NULL,
    "invoice_id" TEXT NOT NULL,
    "customer_id" TEXT NOT NULL,
    "amount" DECIMAL(18,2) NOT NULL,
    "amount_currency" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "source" "source_system" NOT NULL,
    "synced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "external_ref_entity_type_canonical_id_idx" ON "external_ref"("entity_type", "canonical_id");

-- CreateIndex
CREATE INDEX "customer_name_id_idx" ON "customer"("name", "id");

-- CreateIndex
CREATE INDEX "customer_parent_id_idx" ON "customer"("parent_id");

-- CreateIndex
CREATE INDEX "customer_status_idx" ON "customer"("status");

-- CreateIndex
CREATE INDEX "opportunity_customer_id_stage_idx" ON "opportunity"("customer_id", "stage");

-- CreateIndex
CREATE INDEX "opportunity_project_id_idx" ON "opportunity"("project_id");

-- CreateIndex
CREATE INDEX "opportunity_stage_idx" ON "opportunity"("stage");

-- CreateIndex
CREATE INDEX "project_customer_id_status_idx" ON "project"("customer_id", "status");

-- CreateIndex
CREATE INDEX "project_opportunity_id_idx" ON "project"("opportunity_id");

-- CreateIndex
CREATE INDEX "project_status_idx" ON "project"("status");

-- CreateIndex
CREATE INDEX "change_order_project_id_position_idx" ON "change_order"("project_id", "position");

-- CreateIndex
CREATE INDEX "resource_name_id_idx" ON "resource"("name", "id");

-- CreateIndex
CREATE INDEX "resource_skills_idx" ON "resource" USING GIN ("skills");

-- CreateIndex
CREATE INDEX "assignment_project_id_status_idx" ON "assignment"("project_id", "status");

-- CreateIndex
CREATE INDEX "assignment_resource_id_status_idx" ON "assignment"("resource_id", "status");

-- CreateIndex
CREATE INDEX "assignment_status_idx" ON "assignment"("status");

-- CreateIndex
CREATE INDEX "time_entry_project_id_status_idx" ON "time_entry"("project_id", "status");

-- CreateIndex
CREATE INDEX "time_entry_resource_id_status_idx" ON "time_entry"("resource_id", "status");

-- CreateIndex
CREATE INDEX "time_entry_invoice_id_idx" ON "time_entry"("invoice_id");

-- CreateIndex
CREATE INDEX "time_entry_status_idx" ON "time_entry"("status");

-- CreateIndex
CREATE INDEX "invoice_customer_id_status_idx" ON "invoice"("customer_id", "status");

-- CreateIndex
CREATE INDEX "invoice_project_id_status_idx" ON "invoice"("project_id", "status");

-- CreateIndex
CREATE INDEX "invoice_status_idx" ON "invoice"("status");

-- CreateIndex
CREATE INDEX "invoice_line_resource_id_idx" ON "invoice_line"("resource_id");

-- CreateIndex
CREATE INDEX "payment_invoice_id_idx" ON "payment"("invoice_id");

-- CreateIndex
CREATE INDEX "payment_customer_id_idx" ON "payment"("customer_id");

-- AddForeignKey
ALTER TABLE "change_order" ADD CONSTRAINT "change_order_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_line" ADD CONSTRAINT "invoice_line_invoice_id_fkey" FOREIGN KEY ("invoice_id") REFERENCES "invoice"("id") ON DELETE CASCADE ON UPDATE CASCADE;
