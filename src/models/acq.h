/*
 * acq.h -- acquisition functions for minimization, written as utilities to be
 * MAXIMIZED, each with its derivatives w.r.t. the posterior mean mu and
 * standard deviation sd (chain them into d/dx with the model's gradients).
 *
 *   logei  log EI with xi, stable for any z (Ament et al. 2023): z = (fbest - xi - mu)/sd,
 *          EI = sd * h(z), h(z) = phi(z) + z Phi(z)
 *   ei     EI as scikit-optimize's gaussian_ei: (fbest - xi - mu) Phi(z) + sd phi(z)
 *   pi     Phi(z), scikit-optimize's gaussian_pi
 *   lcb    -(mu - kappa sd), scikit-optimize's gaussian_lcb negated
 * sd <= 0 is treated as scikit-optimize does: EI = PI = 0 (logei -inf) with
 * zero derivatives.
 */
#ifndef HPO_MODELS_ACQ_H
#define HPO_MODELS_ACQ_H

/* log(phi(z) + z Phi(z)) without underflow or cancellation, for any finite z. */
double hpo__log_h(double z);
/* d log h / dz = Phi(z) / h(z), stable. */
double hpo__dlog_h(double z);
/* log Phi(z), stable for very negative z. */
double hpo__log_ndtr(double z);
/* exp(x^2) erfc(x), the scaled complementary error function. */
double hpo__erfcx(double x);

double hpo__acq_logei(double mu, double sd, double fbest, double xi, double *dmu, double *dsd);
double hpo__acq_ei(double mu, double sd, double fbest, double xi, double *dmu, double *dsd);
double hpo__acq_pi(double mu, double sd, double fbest, double xi, double *dmu, double *dsd);
double hpo__acq_lcb(double mu, double sd, double kappa, double *dmu, double *dsd);

/* gp_hedge (scikit-optimize, Hoffman et al. 2011): n arms with gains; the
 * probability of arm i is softmax(eta * gains)_i (computed stably); pick with
 * a uniform draw u in [0, 1). */
void hpo__hedge_probs(const double *gains, int n, double eta, double *probs);
int hpo__hedge_pick(const double *probs, int n, double u);

#endif
