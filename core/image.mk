# image format sources (see image.h)
